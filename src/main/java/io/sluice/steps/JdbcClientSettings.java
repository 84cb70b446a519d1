package io.sluice.steps;

import io.sluice.config.ConfigException;
import io.sluice.config.Source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How to reach a JDBC source: the URL, and the user and password read from the environment variables or the file
 * the config names. {@link #toString()} never shows the password.
 */
public final class JdbcClientSettings {
    private final String url;
    private final String user;
    private final String password;

    private JdbcClientSettings(String url, String user, String password) {
        this.url = requireNonNull(url, "url is null");
        this.user = user;
        this.password = password;
    }

    /** The settings of {@code source}, credentials from {@code env} or the password file; a missing one fails naming it. */
    public static JdbcClientSettings of(Source source, Map<String, String> env, String at) {
        String user = source.user();
        if (source.userEnv() != null) {
            user = Optional.ofNullable(env.get(source.userEnv())).filter(v -> !v.isBlank()).orElseThrow(() ->
                    new ConfigException(at + ".userEnv names the environment variable " + source.userEnv()
                            + ", which is not set; export it before the run"));
        }
        String password = null;
        if (source.passwordEnv() != null) {
            password = env.get(source.passwordEnv());
        }
        if ((password == null || password.isEmpty()) && source.passwordFile() != null) {
            Path file = Path.of(source.passwordFile());
            try {
                password = Files.readString(file).strip();
            } catch (IOException e) {
                throw new ConfigException(at + ".passwordFile: cannot read " + file + " (" + e.getClass().getSimpleName()
                        + "); mount the secret there or set " + (source.passwordEnv() == null ? "passwordEnv"
                        : source.passwordEnv()), e);
            }
        }
        if ((password == null || password.isEmpty()) && source.passwordEnv() != null) {
            throw new ConfigException(at + ".passwordEnv names the environment variable " + source.passwordEnv()
                    + ", which is not set" + (source.passwordFile() == null ? "" : ", and the password file is empty")
                    + "; export it before the run (on EMR and Databricks, from the platform's secret store)");
        }
        return new JdbcClientSettings(source.url(), user, password);
    }

    public String url() {
        return url;
    }

    /** Options for Spark's JDBC source: the URL and the credentials. */
    public Map<String, String> sparkOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("url", url);
        if (user != null) {
            options.put("user", user);
        }
        if (password != null) {
            options.put("password", password);
        }
        return options;
    }

    @Override
    public String toString() {
        return "jdbc " + url + (user == null ? "" : " as " + user) + (password == null ? "" : " (password set)");
    }
}
