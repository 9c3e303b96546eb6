package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SyntheticShapesTest {

    @Test
    void deterministicBalancedAndInRange() {
        LabeledImages a = SyntheticShapes.generate(3, 32, 7, 0);
        LabeledImages b = SyntheticShapes.generate(3, 32, 7, 0);
        assertThat(a.images()).containsExactly(b.images());
        assertThat(a.size()).isEqualTo(72);
        assertThat(a.classes()).isEqualTo(24);
        assertThat(a.classCounts()).containsOnly(3);
        assertThat(a.channels()).isEqualTo(3);
        for (float v : a.images()) {
            assertThat(v).isBetween(0f, 255f);
        }
        assertThat(SyntheticShapes.generate(3, 32, 8, 0).images()).isNotEqualTo(a.images());
        assertThat(SyntheticShapes.generate(3, 32, 7, 1).images()).isNotEqualTo(a.images());
    }

    @Test
    void classesAreShapeTexturePairs() {
        assertThat(SyntheticShapes.name(SyntheticShapes.classOf(SyntheticShapes.ShapeKind.RING, SyntheticShapes.Texture.STRIPES)))
                .isEqualTo("ring/stripes");
        for (int c = 0; c < SyntheticShapes.CLASSES; c++) {
            assertThat(SyntheticShapes.classOf(SyntheticShapes.shapeOf(c), SyntheticShapes.textureOf(c))).isEqualTo(c);
        }
        assertThatThrownBy(() -> SyntheticShapes.generate(0, 32, 1, 0)).hasMessageContaining("perClass >= 1");
    }

    @Test
    void imagesOfOneClassVaryAndShowAShape() {
        LabeledImages d = SyntheticShapes.generate(2, 32, 3, 0);
        int per = d.imageSize();
        // two images of the same class differ (position, colour, noise)
        float diff = 0;
        for (int k = 0; k < per; k++) {
            diff += Math.abs(d.images()[k] - d.images()[24 * per + k]);
        }
        assertThat(diff / per).isGreaterThan(10f);
        // every image has a bright foreground and a darker background: a real spread of values
        for (int i = 0; i < d.size(); i++) {
            float min = 255;
            float max = 0;
            for (int k = 0; k < per; k++) {
                min = Math.min(min, d.images()[i * per + k]);
                max = Math.max(max, d.images()[i * per + k]);
            }
            assertThat(max - min).as("image %d", i).isGreaterThan(60f);
        }
    }
}
