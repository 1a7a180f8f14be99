package dev.procpool.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering, checked on the compiled main classes of every module this one sees: protocol ←
 * child ← library ← server. The library's internals are its own; nothing outside touches them.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // The other modules arrive as jars, their test fixtures as test-jars: main code only.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.procpool");
  }

  @Test
  void layers_protocolChildLibraryServer() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Protocol")
        .definedBy("dev.procpool.protocol..")
        .layer("Child")
        .definedBy("dev.procpool.child..")
        .layer("Library")
        .definedBy("dev.procpool", "dev.procpool.internal..")
        .layer("Server")
        .definedBy("dev.procpool.server..")
        .whereLayer("Server")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Library")
        .mayOnlyBeAccessedByLayers("Server")
        .whereLayer("Child")
        .mayOnlyBeAccessedByLayers("Library", "Server")
        .whereLayer("Protocol")
        .mayOnlyBeAccessedByLayers("Child", "Library", "Server")
        .check(classes);
  }

  @Test
  void internals_onlyTheLibraryTouchesThem() {
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.procpool", "dev.procpool.internal..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.procpool.internal..")
        .check(classes);
  }

  @Test
  void internals_neverDependOnTheApiPackage() {
    // The API package depends on the internals (ProcessPool builds the engine), so the reverse
    // would be a package cycle.
    noClasses()
        .that()
        .resideInAPackage("dev.procpool.internal..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.procpool")
        .check(classes);
  }

  @Test
  void packages_freeOfCycles() {
    slices().matching("dev.procpool.(**)").should().beFreeOfCycles().check(classes);
  }
}
