package cifarlinear.report;

import java.util.Base64;
import java.util.Locale;

/** Small pieces of self-contained HTML: escaped text, tables and figures embedded as data URIs. */
public final class Html {
    static final String STYLE = """
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto;
                   padding: 0 1em; color: #222; }
            h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
            table { border-collapse: collapse; margin: 0.6em 0; }
            th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            th { background: #f6f6f6; }
            figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
            img { max-width: 100%; height: auto; image-rendering: pixelated; }
            footer { margin-top: 3em; color: #777; font-size: 0.85em; }
            """;

    private Html() {
    }

    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A paragraph saying why the figures were left out ({@link Figures#unavailable}); "" where they were not. */
    public static String figuresLeftOut() {
        String why = Figures.unavailable();
        return why == null ? "" : "<p>The figures are left out: " + escape(why) + ".</p>\n";
    }

    public static String figure(byte[] png, String alt, String caption) {
        return "<figure><img alt=\"" + escape(alt) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png) + "\">" + (caption == null ? ""
                : "<figcaption>" + escape(caption) + "</figcaption>") + "</figure>\n";
    }

    public static String percent(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }

    public static String number(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** A table: the first row is the header. */
    public static String table(java.util.List<java.util.List<String>> rows) {
        StringBuilder b = new StringBuilder("<table>\n");
        for (int r = 0; r < rows.size(); r++) {
            b.append("<tr>");
            for (String cell : rows.get(r)) {
                String tag = r == 0 ? "th" : "td";
                b.append('<').append(tag).append('>').append(escape(cell)).append("</").append(tag).append('>');
            }
            b.append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    public static String page(String title, String body, String generated) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title)
                + "</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n<h1>" + escape(title) + "</h1>\n" + body
                + "<footer><p id=\"generated\">" + escape(generated) + "</p></footer>\n</body>\n</html>\n";
    }
}
