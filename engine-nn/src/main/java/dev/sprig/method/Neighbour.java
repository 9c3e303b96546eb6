package dev.sprig.method;

/** A bank entry retrieved for a new task, with its similarity to it. */
public record Neighbour(BankEntry entry, double similarity) {}
