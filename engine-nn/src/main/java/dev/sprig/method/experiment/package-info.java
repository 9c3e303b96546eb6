/**
 * The experiment of METHOD.md: pre-train, build the bank, then prune held-out target tasks with the
 * method and every baseline at the same budgets, and collect every number.
 */
package dev.sprig.method.experiment;
