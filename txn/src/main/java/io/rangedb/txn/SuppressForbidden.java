package io.rangedb.txn;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the one class (or member) allowed to use an API that build/forbidden-core-apis.txt keeps
 * out of the cores, such as the wall clock. Every use must say in a comment why it is the seam.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface SuppressForbidden {
  /** Why this is the place that may touch the forbidden API. */
  String reason();
}
