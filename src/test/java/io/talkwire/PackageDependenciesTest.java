package io.talkwire;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The feature packages depend on each other one way only, as the README's layout lists them: auth, room, presence,
 * delivery, chat, stomp (the STOMP edge), each using only those before it. What must flow the other way is an
 * application event ({@code room.RoomEvent}, {@code room.MembershipChanged}).
 */
class PackageDependenciesTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.talkwire");

    @Test
    void featurePackagesHaveNoCircles() {
        slices().matching("io.talkwire.(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void eachPackageUsesOnlyThoseBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("auth").definedBy("io.talkwire.auth..")
            .layer("room").definedBy("io.talkwire.room..")
            .layer("presence").definedBy("io.talkwire.presence..")
            .layer("chat").definedBy("io.talkwire.chat..")
            .layer("delivery").definedBy("io.talkwire.delivery..")
            .layer("stomp").definedBy("io.talkwire.stomp..")
            .whereLayer("stomp").mayNotBeAccessedByAnyLayer()
            .whereLayer("delivery").mayOnlyBeAccessedByLayers("chat", "stomp")
            .whereLayer("chat").mayOnlyBeAccessedByLayers("stomp")
            .whereLayer("presence").mayOnlyBeAccessedByLayers("delivery", "stomp")
            .whereLayer("room").mayOnlyBeAccessedByLayers("presence", "chat", "delivery", "stomp")
            .check(CLASSES);
    }

    @Test
    void sharedClassesAtTheRootUseNoFeature() {
        noClasses().that().resideInAPackage("io.talkwire")
            .should().dependOnClassesThat().resideInAPackage("io.talkwire.*..")
            .check(CLASSES);
    }

    /** A bean cycle is resolved by the shape of the code, not by a lazy proxy. */
    @Test
    void noBeanIsInjectedLazily() {
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName("org.springframework.context.annotation.Lazy")
            .check(CLASSES);
    }
}
