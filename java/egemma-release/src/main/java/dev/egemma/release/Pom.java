// SPDX-License-Identifier: Apache-2.0
package dev.egemma.release;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a staged POM that Maven Central looks at: coordinates, parent, and the required metadata. Read with
 * the JDK's DOM parser, so the checker needs nothing beyond the JDK.
 *
 * @param groupId     own or the parent's groupId
 * @param artifactId  artifactId
 * @param version     own or the parent's version
 * @param packaging   packaging, "jar" when absent
 * @param parent      the parent's groupId:artifactId:version, or null
 * @param elements    the paths among {@link #REQUIRED} that this POM itself declares (e.g. "scm/url")
 * @param managed     dependencyManagement entries as groupId:artifactId:version[:classifier], with
 *                    {@code ${project.version}} replaced as Maven does on import
 */
public record Pom(String groupId, String artifactId, String version, String packaging, String parent,
                  List<String> elements, List<String> managed) {

    /** What Central requires of every POM, as child-element paths (name is not inherited, the others are). */
    public static final List<String> REQUIRED = List.of("name", "description", "url", "licenses/license/name",
            "licenses/license/url", "scm/url", "scm/connection", "developers/developer/name");

    /** Parses {@code file}. */
    public static Pom read(Path file) throws IOException {
        Document d;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            d = f.newDocumentBuilder().parse(file.toFile());
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException(file + ": not a readable POM (" + e.getMessage() + ")", e);
        }
        Element root = d.getDocumentElement();
        Element parentEl = child(root, "parent");
        String parent = parentEl == null ? null
                : text(parentEl, "groupId") + ":" + text(parentEl, "artifactId") + ":" + text(parentEl, "version");
        String groupId = text(root, "groupId");
        String version = text(root, "version");
        if (parentEl != null) {
            if (groupId == null) groupId = text(parentEl, "groupId");
            if (version == null) version = text(parentEl, "version");
        }
        String packaging = text(root, "packaging");
        List<String> elements = new ArrayList<>();
        for (String path : REQUIRED) {
            if (path(root, path) != null) elements.add(path);
        }
        String ownVersion = version;
        List<String> managed = new ArrayList<>();
        Element dm = child(root, "dependencyManagement");
        Element deps = dm == null ? null : child(dm, "dependencies");
        if (deps != null) {
            for (Node n = deps.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element dep && dep.getTagName().equals("dependency")) {
                    String c = text(dep, "classifier");
                    String v = String.valueOf(text(dep, "version")).replace("${project.version}", String.valueOf(ownVersion));
                    managed.add(text(dep, "groupId") + ":" + text(dep, "artifactId") + ":" + v + (c == null ? "" : ":" + c));
                }
            }
        }
        return new Pom(groupId, text(root, "artifactId"), version, packaging == null ? "jar" : packaging, parent,
                List.copyOf(elements), List.copyOf(managed));
    }

    /** groupId:artifactId:version. */
    public String coordinates() {
        return groupId + ":" + artifactId + ":" + version;
    }

    private static String path(Element e, String path) {
        Element at = e;
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length - 1 && at != null; i++) at = child(at, parts[i]);
        return at == null ? null : text(at, parts[parts.length - 1]);
    }

    private static Element child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) return c;
        }
        return null;
    }

    /** The trimmed text of {@code e}'s child {@code name}, or null when it is absent or blank. */
    private static String text(Element e, String name) {
        Element c = child(e, name);
        if (c == null) return null;
        String t = c.getTextContent().trim();
        return t.isEmpty() ? null : t;
    }
}
