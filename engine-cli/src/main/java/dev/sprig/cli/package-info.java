/** The {@code sprig} command line (picocli). */
package dev.sprig.cli;
