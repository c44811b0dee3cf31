using System.Numerics;
using Cortex.Areas.Activations;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Norms;

/// <summary>
/// Batch normalisation of an area's drive, PyTorch's conventions (biased variance normalises, unbiased variance is
/// averaged; momentum 0.1, ε = 10⁻⁵). <c>per-step</c>: its own γ, β ([T, C]) and running averages for every time step
/// (time-specific batch norm); <c>shared</c>: one set for all steps — one batch-norm module called at every step, each
/// step normalised with its own batch statistics, the running averages updated at every step. Training normalises and
/// applies f in one pass; inference uses the running averages, or each batch's own statistics when the network asks for
/// them (<see cref="InferenceStatistics.Batch"/>, a diagnostic). In a data-parallel run (<see cref="BoundMemory{T}.Replicas"/>) the
/// batch statistics are those of the global batch, summed over the replicas forward and backward (synchronised batch norm),
/// so that N replicas train as one process on the global batch would.
/// </summary>
/// <param name="perStep">Whether γ, β and the running averages are kept per step.</param>
public sealed class BatchNormalisation(bool perStep) : NormKind
{
    /// <summary>Momentum of the running averages and ε.</summary>
    public const double Momentum = 0.1, Epsilon = 1e-5;

    /// <inheritdoc/>
    public override string Word => perStep ? "per-step" : "shared";

    /// <inheritdoc/>
    public override string Summary => perStep
        ? "batch norm with γ, β and running statistics per time step"
        : "one batch norm (γ, β, running statistics) for all time steps";

    /// <inheritdoc/>
    public override NormOptions Read(IOptionReader reader) => new Options(this);

    /// <summary>No keys beyond the word.</summary>
    /// <param name="Norm">The kind (per-step or shared).</param>
    public sealed record Options(BatchNormalisation Norm) : NormOptions
    {
        /// <inheritdoc/>
        public override NormKind Kind => Norm;

        /// <inheritdoc/>
        public override bool CancelsChannelBias(int channels) => true;

        /// <inheritdoc/>
        public override Normalisation Resolve(NormContext context, MemoryPlan plan, IIssues issues) => new Resolved(Norm.IsPerStep, context, plan);
    }

    /// <summary>Whether statistics and parameters are per step.</summary>
    public bool IsPerStep => perStep;

    private sealed class Resolved : Normalisation
    {
        private readonly bool perStep;
        private readonly NormContext context;
        private readonly Slot normalised, mean, invStd, scratch;

        public Resolved(bool perStep, NormContext context, MemoryPlan plan)
        {
            this.perStep = perStep;
            this.context = context;
            normalised = plan.Steps("normalised", context.Shape);
            mean = plan.StepsUnbatched("batch mean", [context.Channels]);
            invStd = plan.StepsUnbatched("batch 1/σ", [context.Channels]);
            scratch = plan.Scratch("normalisation scratch", context.Shape);
        }

        private int[] ParameterShape => perStep ? [context.Steps, context.Channels] : [context.Channels];

        public override string Describe() => perStep ? "per-step batch norm" : "shared batch norm";

        public override IReadOnlyList<ParameterSpec> Parameters =>
            [new($"{context.Prefix}.gamma", ParameterShape), new($"{context.Prefix}.beta", ParameterShape)];

        public override INormalisedActivation<T> Create<T>(ParameterStore<T> store, ActivationFunction activation)
        {
            var gamma = Parameters[0].Add(store);
            var beta = Parameters[1].Add(store);
            store.Backend.Fill(gamma.Value, T.One);
            var runningMean = store.Buffer($"{context.Prefix}.running_mean", new Shape(ParameterShape));
            var runningVar = store.Buffer($"{context.Prefix}.running_var", new Shape(ParameterShape));
            store.Backend.Fill(runningVar, T.One);
            var views = Enumerable.Range(0, context.Steps + 1).Select(t =>
            {
                int row = Math.Max(t - 1, 0);
                return perStep
                    ? new Views<T>(gamma.Value.Step(row), beta.Value.Step(row), runningMean.Step(row), runningVar.Step(row), gamma.Gradient.Step(row), beta.Gradient.Step(row))
                    : new Views<T>(gamma.Value, beta.Value, runningMean, runningVar, gamma.Gradient, beta.Gradient);
            }).ToArray();
            return new Op<T>(this, activation, views);
        }

        private sealed class Op<T>(Resolved r, ActivationFunction f, Views<T>[] at) : INormalisedActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly T momentum = T.CreateChecked(Momentum), epsilon = T.CreateChecked(Epsilon);

            public void Forward(Tensor<T> x, Tensor<T> a, BoundMemory<T> m, int t, bool training)
            {
                var v = at[t];
                var n = m.History(r.normalised)[t];
                if (training || m.InferenceStatistics == InferenceStatistics.Batch)
                {
                    // Outside training the batch's statistics are used with momentum 0: the running averages stay as they are.
                    f.BatchNormTraining(x, v.Gamma, v.Beta, n, a, m.History(r.mean)[t], m.History(r.invStd)[t], v.Mean, v.Var,
                        training ? momentum : T.Zero, epsilon, m.Replicas);
                    return;
                }
                BatchNorm.ForwardInference(x, v.Gamma, v.Beta, n, v.Mean, v.Var, epsilon);
                f.Forward(n, a);
            }

            public void Backward(Tensor<T> x, Tensor<T> a, Tensor<T> da, Tensor<T> dx, BoundMemory<T> m, int t)
            {
                var v = at[t];
                f.BatchNormBackward(x, v.Gamma, m.History(r.mean)[t], m.History(r.invStd)[t], m.History(r.normalised)[t], a, da, m.Tensor(r.scratch), dx,
                    v.DGamma, v.DBeta, m.Replicas);
            }
        }
    }

    /// <summary>γ, β, running statistics and the γ, β gradients used at one step: the step's own rows (per-step) or the one set (shared). Made once.</summary>
    private sealed record Views<T>(Tensor<T> Gamma, Tensor<T> Beta, Tensor<T> Mean, Tensor<T> Var, Tensor<T> DGamma, Tensor<T> DBeta)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
