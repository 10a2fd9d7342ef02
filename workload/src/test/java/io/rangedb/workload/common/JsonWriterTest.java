package io.rangedb.workload.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonWriterTest {

  @Test
  void writesNestedObjectsAndArraysWithCommasInPlace() {
    JsonWriter json = new JsonWriter().beginObject();
    json.field("name", "tpcc").field("n", 3).field("x", 1.5).field("ok", true);
    json.name("list").beginArray().value(1).value("two").beginObject().field("a", 1).endObject();
    json.endArray();
    json.name("empty").beginObject().endObject();
    json.name("none").value((String) null);
    assertEquals(
        "{\"name\":\"tpcc\",\"n\":3,\"x\":1.500,\"ok\":true,\"list\":[1,\"two\",{\"a\":1}],"
            + "\"empty\":{},\"none\":null}",
        json.endObject().toString());
  }

  @Test
  void escapesQuotesBackslashesAndControlCharacters() {
    String s = new JsonWriter().value("a\"b\\c\nd\u0001").toString();
    assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", s);
  }

  @Test
  void writesNonFiniteNumbersAsNull() {
    assertEquals(
        "[null,null]",
        new JsonWriter().beginArray().value(Double.NaN).value(1.0 / 0).endArray().toString());
  }
}
