package jibril.config.internal;

/**
 * One finding about a configuration: where it is (file, 1-based line and column, dotted field path) and what is
 * wrong. Printed as {@code FILE:LINE:COLUMN: PATH: MESSAGE}; line and column are left out when unknown (0), the path
 * when the finding is about the whole file.
 *
 * @param error   {@code true} for an error (the configuration is not used), {@code false} for a warning
 * @param file    the file path, {@code embedded:...} or {@code framework property NAME}
 * @param line    1-based line, 0 when unknown
 * @param column  1-based column, 0 when unknown
 * @param path    dotted field path such as {@code caches.tasks} or {@code config.plugin[2]}, empty for the file
 * @param message what was found and what was expected
 */
public record Problem(boolean error, String file, int line, int column, String path, String message) {

    static Problem error(String file, int line, int column, String path, String message) {
        return new Problem(true, file, line, column, path, message);
    }

    static Problem warning(String file, int line, int column, String path, String message) {
        return new Problem(false, file, line, column, path, message);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
