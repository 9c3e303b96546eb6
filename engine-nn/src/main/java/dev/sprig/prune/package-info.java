/**
 * Structured pruning: remove whole channels, attention heads and hidden nodes, so the model gets
 * smaller tensors and fewer operations, not zeros.
 *
 * <p>The parts, each a separate type as in Torch-Pruning:
 * <ul>
 *   <li>{@link dev.sprig.prune.PruningGraph}: the coupled {@link dev.sprig.prune.Group}s of a model,
 *       found by tracing one forward pass (a conv's filters with its BatchNorm and its consumers' input
 *       channels; a ResNet stage joined by residual adds; a ViT's heads, MLP hidden nodes and width),
 *       with an exact {@link dev.sprig.prune.CostModel} of parameters and MACs. Modules whose structure
 *       the ops do not show (attention) declare it by implementing {@link dev.sprig.prune.PrunableBlock}.</li>
 *   <li>{@link dev.sprig.prune.Importance}: scores per unit (L1/L2 of filters, |γ|, Taylor, random).</li>
 *   <li>{@link dev.sprig.prune.Selection}: which units to keep for a keep ratio, parameter or MAC
 *       budget, per group or by a global ranking.</li>
 *   <li>{@link dev.sprig.prune.PruningMask}: which units of each group to keep, serialisable.</li>
 *   <li>{@link dev.sprig.prune.SoftMask}: zero the removed units and keep them zero while training.</li>
 *   <li>{@link dev.sprig.prune.Shrinker}: physically remove them — weights, biases, BatchNorm
 *       statistics, gradients and optimizer state — with a {@link dev.sprig.prune.PruneReport}.</li>
 *   <li>Baselines: {@link dev.sprig.prune.OneShotPruner} (score, select, shrink, fine-tune) and
 *       {@link dev.sprig.prune.IterativePruner} (prune a step, fine-tune, repeat to the target), with
 *       fine-tuning through a {@link dev.sprig.prune.FineTuner}.</li>
 * </ul>
 *
 * <p>Group ids are stable names ({@code layer1.0.conv1:out}, {@code layer2:residual},
 * {@code blocks.3.attn:heads}, {@code blocks.3.mlp.fc1:out}, {@code blocks:embedding}) that stay the
 * same after shrinking, so masks from different tasks can be compared unit by unit.
 */
package dev.sprig.prune;
