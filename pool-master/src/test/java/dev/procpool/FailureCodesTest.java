package dev.procpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.procpool.internal.engine.Failure;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The three failure enums (public, engine, wire) map one to one, every value both ways. */
class FailureCodesTest {
  private static final Set<dev.procpool.protocol.FailureCode> WIRE_ONLY =
      EnumSet.of(
          dev.procpool.protocol.FailureCode.FAILURE_CODE_UNSPECIFIED,
          dev.procpool.protocol.FailureCode.UNRECOGNIZED);

  @Test
  void everyPublicCode_mapsToTheEngineAndBack() {
    for (FailureCode code : FailureCode.values()) {
      Failure engine = FailureCodes.toEngine(code);
      assertEquals(code.name(), engine.name());
      assertEquals(code, FailureCodes.toPublic(engine));
    }
    assertEquals(FailureCode.values().length, Failure.values().length);
  }

  @Test
  void everyEngineCode_mapsToPublicAndBack() {
    for (Failure failure : Failure.values()) {
      assertEquals(failure, FailureCodes.toEngine(FailureCodes.toPublic(failure)));
    }
  }

  @Test
  void everyEngineCode_mapsToTheWireAndBack() {
    for (Failure failure : Failure.values()) {
      dev.procpool.protocol.FailureCode wire = failure.toWire();
      assertEquals(failure.name(), wire.name());
      assertEquals(failure, Failure.fromWire(wire));
    }
  }

  @Test
  void everyWireCode_mapsToTheEngineAndBack_exceptUnspecified() {
    int mapped = 0;
    for (dev.procpool.protocol.FailureCode wire : dev.procpool.protocol.FailureCode.values()) {
      if (WIRE_ONLY.contains(wire)) {
        assertNull(Failure.fromWire(wire), wire.name());
        continue;
      }
      assertEquals(wire, Failure.fromWire(wire).toWire());
      mapped++;
    }
    assertEquals(Failure.values().length, mapped);
  }
}
