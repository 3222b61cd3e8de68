package cifarlinear.cli;

import cifarlinear.report.Figures;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Text tables shared by the commands that report accuracy. */
final class Report {
    private static final int BAR = 30;

    private Report() {
    }

    /** Says on {@code err}, in one line, why the figures were left out, where they were. */
    static void figuresLeftOut(PrintWriter err) {
        String why = Figures.unavailable();
        if (why != null) {
            err.println("note: figures left out: " + why);
            err.flush();
        }
    }

    /** One line per class: name, accuracy and a bar. */
    static void perClass(PrintWriter out, List<String> classes, double[] accuracy) {
        int width = classes.stream().mapToInt(String::length).max().orElse(5);
        for (int k = 0; k < classes.size(); k++) {
            double a = accuracy[k];
            String bar = Double.isNaN(a) ? "" : "#".repeat((int) Math.round(a * BAR));
            out.printf(Locale.ROOT, "  %-" + width + "s  %7s  %s%n", classes.get(k),
                    Double.isNaN(a) ? "-" : String.format(Locale.ROOT, "%6.2f%%", 100 * a), bar);
        }
    }

    /** The confusion matrix: a row per true class, a column per predicted class. */
    static void confusion(PrintWriter out, List<String> classes, List<long[]> rows) {
        int nameWidth = classes.stream().mapToInt(String::length).max().orElse(5);
        long max = rows.stream().flatMapToLong(java.util.Arrays::stream).max().orElse(0);
        int cell = Math.max(5, Long.toString(max).length() + 1);
        out.println("  (rows: true class, columns: predicted class)");
        out.printf("  %-" + nameWidth + "s", "");
        for (String c : classes) {
            out.printf("%" + cell + "s", abbreviate(c, cell - 1));
        }
        out.println();
        for (int t = 0; t < classes.size(); t++) {
            out.printf("  %-" + nameWidth + "s", classes.get(t));
            for (long v : rows.get(t)) {
                out.printf("%" + cell + "d", v);
            }
            out.println();
        }
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
