/** What an experiment leaves behind: results.json (every number), report.md (tables) and PNG plots. */
package dev.sprig.cli.report;
