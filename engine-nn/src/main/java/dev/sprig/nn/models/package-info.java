/** Models built from config records: CIFAR- and ImageNet-style ResNets of BasicBlocks, and a small ViT. */
package dev.sprig.nn.models;
