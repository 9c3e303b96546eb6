/**
 * The similar-task one-shot pruning method (METHOD.md): task embeddings from the frozen pre-trained
 * model, task similarity, the mask bank of earlier tasks, neighbour retrieval and the score mask.
 */
package dev.sprig.method;
