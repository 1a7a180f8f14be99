package dev.procpool.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The starter uses the library's public API only, like any application. */
class StarterArchitectureTest {
  @Test
  void starter_touchesNoInternals() {
    noClasses()
        .that()
        .resideInAPackage("dev.procpool.spring..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.procpool.internal..", "dev.procpool.child.internal..")
        .check(
            new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.procpool.spring"));
  }
}
