import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Datalyptica stand-in (lab and tests only, docs/STAND-INS.md): the Main-Class of a runner jar that is NOT the real
 * release. It runs the stand-in program it carries (/standin.py) with python3, the jar's path as argv[0] and its own
 * arguments after it, tells it which JVM runs the jar and with which options, and exits with its exit code.
 */
public final class DatalypticaStandIn {
    public static void main(String[] args) throws Exception {
        String jar = new File(DatalypticaStandIn.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        List<String> command = new ArrayList<>(List.of("python3", "-", jar));
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("DATALYPTICA_STANDIN_RUNNING_JAVA", System.getProperty("java.home") + "/bin/java");
        builder.environment().put("DATALYPTICA_STANDIN_JVM_ARGS", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            process.destroy();
            try { process.waitFor(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        }));
        try (InputStream in = DatalypticaStandIn.class.getResourceAsStream("/standin.py"); OutputStream out = process.getOutputStream()) {
            in.transferTo(out);
        }
        System.exit(process.waitFor());
    }
}
