package dev.egemma.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code egemma} command. Each subcommand lives in its own class and is registered here.
 */
@Command(name = "egemma",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "EmbeddingGemma embeddings on the JVM.",
        subcommands = {
                CommandLine.HelpCommand.class,
                BenchCommand.class,
                CapsCommand.class,
                DistillCommand.class,
                EmbedCommand.class,
                ExportEmbeddingsCommand.class,
                InspectCommand.class,
                QuantizeCommand.class,
                ServeCommand.class,
                SynthCommand.class,
                TokenizeCommand.class,
        })
public final class Main implements Runnable {
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "More detail: an error's stack trace; for caps, every location the native loader tried.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the CLI and returns its exit code (tests call this, not {@link #main}): 0 done, 1 failed, 2 a wrong command
     * line. Output that could not be written is a failure: {@code System.out} swallows write errors, so its error
     * flag is checked once the command is done (a full disk or a closed pipe must not exit 0 with the output lost).
     */
    public static int run(String... args) {
        Main main = new Main();
        CliErrors errors = new CliErrors(main);
        CommandLine cli = new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(errors).setParameterExceptionHandler(errors);
        int exit = cli.execute(args);
        if (System.out.checkError()) {
            CommandLine ran = cli.getParseResult() == null ? cli : last(cli.getParseResult());
            System.err.println(ran.getCommandSpec().qualifiedName() + ": cannot write to standard output (disk full or pipe closed?)");
            return exit == 0 ? CliErrors.FAILURE : exit;
        }
        return exit;
    }

    private static CommandLine last(CommandLine.ParseResult r) {
        while (r.hasSubcommand()) r = r.subcommand();
        return r.commandSpec().commandLine();
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {
                    "egemma " + (v == null ? "dev" : v),
                    "JVM: " + System.getProperty("java.vm.name") + " " + Runtime.version()
                            + " (" + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")"
            };
        }
    }
}
