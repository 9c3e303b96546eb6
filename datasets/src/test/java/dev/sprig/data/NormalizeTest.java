package dev.sprig.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NormalizeTest {
    @Test
    void metadataRoundTripsAndBadRecordsNameTheFileAndValues() {
        Normalize n = new Normalize(1f / 255, new float[] {0.25f, 0.5f, 0.125f}, new float[] {0.3f, 0.2f, 0.1f});
        Map<String, String> meta = new HashMap<>();
        n.putMetadata(meta);
        Normalize back = Normalize.fromMetadata(meta, "m.safetensors");
        assertThat(back.scale()).isEqualTo(n.scale());
        assertThat(back.mean()).containsExactly(n.mean());
        assertThat(back.std()).containsExactly(n.std());

        assertThat(Normalize.fromMetadata(Map.of(), "m.safetensors")).isNull();

        Map<String, String> partial = new HashMap<>(meta);
        partial.remove(Normalize.STD_KEY);
        assertThatThrownBy(() -> Normalize.fromMetadata(partial, "m.safetensors")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("m.safetensors").hasMessageContaining("normalize.std null");

        Map<String, String> bad = new HashMap<>(meta);
        bad.put(Normalize.MEAN_KEY, "0.25,zero");
        assertThatThrownBy(() -> Normalize.fromMetadata(bad, "m.safetensors")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("normalize.mean 0.25,zero");
    }
}
