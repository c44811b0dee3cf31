namespace Cortex.Core.Simulation;

/// <summary>
/// The memory the simulator itself keeps, beside what each op's plan asks for: per area its states, their gradients
/// and one history per input; per readout its logits and what the loss needs (probabilities, logit gradients, the
/// weighted loss of each image at each read, the weights, the coarse group of each class, the readout's total); and
/// the image, its gradient, the labels and — when the schedule shows one — the mask. The simulator allocates through these plans and the ledger sizes its
/// estimate with them, so the two agree by construction.
/// </summary>
public static class SimulatorMemory
{
    /// <summary>
    /// An area's shared memory: State and DState [T + 1, B, …] (slots 0 and 1), then one [T, B, …] history per input, then
    /// the states kept at segment boundaries under checkpointing in time (none under full storage).
    /// </summary>
    public static MemoryPlan AreaPlan(int[] shape, int inputs)
    {
        var plan = new MemoryPlan();
        plan.States("state", shape);
        plan.States("state gradient", shape);
        for (int i = 0; i < inputs; i++) plan.Steps($"input {i}", shape);
        plan.Kept("kept states", shape);
        return plan;
    }

    /// <summary>
    /// A readout's logits and loss memory, in this slot order: logits, probabilities and logit gradients [S, B, K], the
    /// weighted loss of each image at each read [S, B, 1], fine and coarse weights [S], coarse groups [K], total [1].
    /// </summary>
    public static MemoryPlan ReadoutPlan(int reads, int classes)
    {
        var plan = new MemoryPlan();
        plan.Series("logits", reads, [classes]);
        plan.Series("probabilities", reads, [classes]);
        plan.Series("logit gradients", reads, [classes]);
        plan.Series("image losses", reads, [1]);
        plan.Fixed("fine weights", [reads]);
        plan.Fixed("coarse weights", [reads]);
        plan.Fixed("coarse groups", [classes]);
        plan.Fixed("loss", [1]);
        return plan;
    }

    /// <summary>
    /// The network's inputs: the image and its gradient [B, …input shape] (slots 0 and 1), the labels [B, 1] (slot 2), and,
    /// when <paramref name="mask"/> (the schedule shows a mask at some step, <see cref="StepInput.Mask"/>), the mask
    /// [B, …input shape] (slot 3). One mask per image serves every step that shows it, so no step allocates.
    /// </summary>
    public static MemoryPlan InputPlan(int[] inputShape, bool mask)
    {
        var plan = new MemoryPlan();
        plan.Scratch("image", inputShape);
        plan.Scratch("image gradient", inputShape);
        plan.Scratch("labels", [1]);
        if (mask) plan.Scratch("mask", inputShape);
        return plan;
    }

    /// <summary>
    /// Values the simulator keeps for a network at batch <paramref name="batch"/> over <paramref name="steps"/> steps (not
    /// counting the ops' own plans); <paramref name="mask"/>: the schedule shows a mask.
    /// </summary>
    public static long Values(int batch, int steps, int[] inputShape, bool mask, IEnumerable<(int[] Shape, int Inputs)> areas, IEnumerable<(int Reads, int Classes)> readouts)
        => Values(batch, TimeStorage.Full(steps), inputShape, mask, areas, readouts);

    /// <summary>As the other overload, the time axis held as <paramref name="storage"/> says.</summary>
    public static long Values(int batch, TimeStorage storage, int[] inputShape, bool mask, IEnumerable<(int[] Shape, int Inputs)> areas,
        IEnumerable<(int Reads, int Classes)> readouts)
        => InputPlan(inputShape, mask).Values(batch, storage)
           + areas.Sum(a => AreaPlan(a.Shape, a.Inputs).Values(batch, storage))
           + readouts.Sum(r => ReadoutPlan(r.Reads, r.Classes).Values(batch, storage));
}
