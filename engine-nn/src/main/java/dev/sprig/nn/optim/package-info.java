/** Optimizers (SGD, AdamW), learning-rate schedules and gradient clipping. */
package dev.sprig.nn.optim;
