package io.rangedb.raft;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the one class (or member) of the raft module allowed to use an API that
 * build/forbidden-core-apis.txt keeps out of the cores, such as the wall clock or raw threads.
 * Every use must say in its reason why it is the seam.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface SuppressForbidden {
  /** Why this is the place that may touch the forbidden API. */
  String reason();
}
