package dev.procpool.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PrefetchTest {
  @Test
  void of_oneJobPerChildWithoutPipelining_childrenTimesDepthWith() {
    assertEquals(2, Prefetch.of(2, 1));
    assertEquals(4, Prefetch.of(2, 2));
    assertEquals(32, Prefetch.of(2, 16));
  }

  @Test
  void of_capacityAboveTheCap_cappedAt256() {
    assertEquals(256, Prefetch.of(32, 16));
    assertEquals(256, Prefetch.of(17, 16));
  }

  @Test
  void of_moreChildrenThanTheCap_oneJobPerChild() {
    assertEquals(300, Prefetch.of(300, 16));
  }

  @Test
  void of_depthBelowOne_treatedAsOne() {
    assertEquals(3, Prefetch.of(3, 0));
  }
}
