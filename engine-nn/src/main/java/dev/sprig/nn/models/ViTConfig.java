package dev.sprig.nn.models;

/**
 * A Vision Transformer (pre-norm blocks, class token, learned position embedding).
 *
 * @param inChannels image channels
 * @param imageSize  square input side
 * @param patchSize  square patch side; must divide imageSize
 * @param classes    classifier outputs
 * @param dim        embedding width d
 * @param depth      number of transformer blocks
 * @param heads      attention heads per block
 * @param headDim    width of one head (heads·headDim need not equal d)
 * @param mlpHidden  hidden nodes of each block's MLP
 * @param fusedQkv   one [3·heads·headDim, d] projection instead of three
 */
public record ViTConfig(int inChannels, int imageSize, int patchSize, int classes, int dim, int depth, int heads,
                        int headDim, int mlpHidden, boolean fusedQkv) {
    public ViTConfig {
        if (inChannels < 1 || imageSize < 1 || patchSize < 1 || classes < 1 || dim < 1 || depth < 1 || heads < 1
                || headDim < 1 || mlpHidden < 1) {
            throw new IllegalArgumentException("every ViT size must be >= 1: " + this);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("ViT patchSize=" + patchSize + " must divide imageSize=" + imageSize);
        }
    }

    /** ViT-Tiny-like for small images: d=192, 12 blocks of 3 heads x 64, MLP 768 (ViT-Tiny's widths). */
    public static ViTConfig tiny(int inChannels, int imageSize, int patchSize, int classes) {
        return new ViTConfig(inChannels, imageSize, patchSize, classes, 192, 12, 3, 64, 768, true);
    }

    /** A small ViT that trains in minutes on 2 cores: d=96, 6 blocks of 3 heads x 32, MLP 192. */
    public static ViTConfig small(int inChannels, int imageSize, int patchSize, int classes) {
        return new ViTConfig(inChannels, imageSize, patchSize, classes, 96, 6, 3, 32, 192, false);
    }

    public int patches() {
        int g = imageSize / patchSize;
        return g * g;
    }
}
