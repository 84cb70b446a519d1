package io.sluice.plan;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtimes the plans choose run the jar's class files: class file major version = Java release + 44. */
class RuntimeJavaTest {
    @Test
    void emrAndDatabricksRuntimesLoadTheMainClass() throws IOException {
        int classFile = classFileVersion(BackfillPlan.MAIN_CLASS);
        assertEquals(61, classFile, "the jar is compiled for Java 17");
        assertTrue(EmrPlan.RELEASE_LABEL.startsWith("emr-7."), EmrPlan.RELEASE_LABEL);
        assertTrue(EmrPlan.RELEASE_JAVA + 44 >= classFile, "EMR runs Java " + EmrPlan.RELEASE_JAVA);
        assertTrue(DatabricksPlan.RUNTIME_JAVA + 44 >= classFile, "Databricks runs Java " + DatabricksPlan.RUNTIME_JAVA);
    }

    private static int classFileVersion(String className) throws IOException {
        try (InputStream in = RuntimeJavaTest.class.getResourceAsStream("/" + className.replace('.', '/') + ".class")) {
            assertNotNull(in, className + " is not on the classpath");
            DataInputStream data = new DataInputStream(in);
            assertEquals(0xCAFEBABE, data.readInt());
            data.readUnsignedShort();
            return data.readUnsignedShort();
        }
    }
}
