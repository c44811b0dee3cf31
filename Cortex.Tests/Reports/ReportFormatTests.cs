using Cortex.Experiments.Reports;

namespace Cortex.Tests.Reports;

public sealed class ReportFormatTests
{
    [TestCase(0.5, "0.500")]
    [TestCase(0.001, "0.001")]
    [TestCase(0.00099, "9.9e-04")]
    [TestCase(1.4e-49, "1.4e-49")]
    [TestCase(5e-324, "4.9e-324")]
    public void APValueIsWrittenWithDecimalsOrInScientificNotation(double p, string expected) =>
        Assert.That(ReportFormat.P(p), Is.EqualTo(expected));

    [Test]
    public void APValueThatUnderflowedToZeroIsWrittenAsABoundNotAsZero() =>
        Assert.That(ReportFormat.P(0), Is.EqualTo("< 1e-300"));
}
