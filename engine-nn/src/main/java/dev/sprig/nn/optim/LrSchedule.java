package dev.sprig.nn.optim;

/** A learning rate as a function of the (0-based) step. */
public sealed interface LrSchedule {
    /** The learning rate for step {@code step} of {@code totalSteps}. */
    float at(long step, long totalSteps);

    /** A constant rate. */
    record Constant(float lr) implements LrSchedule {
        public Constant {
            check(lr);
        }

        @Override
        public float at(long step, long totalSteps) {
            return lr;
        }
    }

    /** Linear warmup from 0 over {@code warmupSteps}, then cosine decay to {@code minLr} at the last step. */
    record CosineWithWarmup(float baseLr, float minLr, long warmupSteps) implements LrSchedule {
        public CosineWithWarmup {
            check(baseLr);
            check(minLr);
            if (warmupSteps < 0) {
                throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
            }
        }

        @Override
        public float at(long step, long totalSteps) {
            if (step < warmupSteps) {
                return baseLr * (step + 1) / warmupSteps;
            }
            long decay = Math.max(1, totalSteps - 1 - warmupSteps); // the last step (totalSteps - 1) is at minLr
            double progress = Math.min(1.0, (double) (step - warmupSteps) / decay);
            return (float) (minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * progress)));
        }
    }

    /** {@code baseLr · gamma^(number of milestones passed)}, as PyTorch's MultiStepLR. */
    record Step(float baseLr, float gamma, long... milestones) implements LrSchedule {
        public Step {
            check(baseLr);
            if (!(gamma > 0f)) {
                throw new IllegalArgumentException("step schedule gamma must be > 0, got " + gamma);
            }
            milestones = milestones.clone();
            for (int i = 1; i < milestones.length; i++) {
                if (milestones[i] <= milestones[i - 1]) {
                    throw new IllegalArgumentException("step schedule milestones must increase, got " + java.util.Arrays.toString(milestones));
                }
            }
        }

        @Override
        public float at(long step, long totalSteps) {
            int passed = 0;
            for (long m : milestones) {
                if (step >= m) {
                    passed++;
                }
            }
            return (float) (baseLr * Math.pow(gamma, passed));
        }
    }

    private static void check(float lr) {
        if (!(lr >= 0f) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite value >= 0, got " + lr);
        }
    }
}
