package cifarlinear.cli;

import cifarlinear.data.CifarData;
import cifarlinear.data.DataSources;
import cifarlinear.data.Splits;
import cifarlinear.train.TrainConfig;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The config.json of a run: every resolved option and what the data was. */
final class RunConfigs {
    private RunConfigs() {
    }

    /** What a run records about its data, computed once for all the runs on it. */
    record DataFacts(String data, String description, Integer syntheticSize, String labels, String trainSha256,
                     String testSha256, List<String> classNames) {
        static DataFacts of(DataOptions options, DataSources.Resolved resolved, CifarData data) {
            return new DataFacts(resolved.describe(), data.description(),
                    resolved.synthetic() ? options.syntheticSize : null,
                    options.labels.name().toLowerCase(Locale.ROOT), data.train().sha256(), data.test().sha256(),
                    data.classNames());
        }
    }

    static Map<String, Object> json(TrainConfig c, DataFacts d, Splits splits, ComputeOptions compute) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", d.data());
        m.put("data_description", d.description());
        if (d.syntheticSize() != null) {
            m.put("synthetic_size", d.syntheticSize());
        }
        m.put("labels", d.labels());
        m.put("train_sha256", d.trainSha256());
        m.put("test_sha256", d.testSha256());
        m.put("loss", c.loss().id());
        m.put("lambda", c.lambda());
        m.put("batch", c.batch());
        m.put("epochs", c.epochs());
        m.put("schedule", c.schedule().kind().id());
        m.put("eta", c.eta());
        m.put("eta_min", c.schedule().etaMin());
        m.put("cycle_steps", c.schedule().cycleSteps());
        m.put("decay_every", c.schedule().decayEvery());
        m.put("decay_factor", c.schedule().decayFactor());
        m.put("flip", c.flip());
        m.put("shift", c.shift());
        m.put("seed", c.seed());
        m.put("init_std", c.initStd());
        m.put("val", c.val());
        m.put("device", compute.device.name().toLowerCase(Locale.ROOT));
        m.put("threads", compute.threads());
        m.put("train_images", splits.train().size());
        m.put("val_images", splits.val().size());
        m.put("test_images", splits.test().size());
        m.put("class_names", d.classNames());
        m.put("started", OffsetDateTime.now().toString());
        return m;
    }
}
