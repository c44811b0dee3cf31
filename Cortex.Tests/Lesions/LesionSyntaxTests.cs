using Cortex.Connectivity.Lesions;
using Cortex.Tests.Connectivity;

namespace Cortex.Tests.Lesions;

/// <summary>The lesion syntax, read and written back, and resolved against BLT: every target form, every step form, and each mistake's message.</summary>
public sealed class LesionSyntaxTests
{
    [TestCase("feedback@3-", LesionScope.Type, "feedback", 3, null)]
    [TestCase("V2->V1", LesionScope.Projection, "V2->V1", 1, null)]
    [TestCase("in:V1@1-2", LesionScope.Into, "V1", 1, 2)]
    [TestCase("out:IT", LesionScope.OutOf, "IT", 1, null)]
    [TestCase("lateral@2", LesionScope.Type, "lateral", 2, 2)]
    [TestCase("V1->V2@-3", LesionScope.Projection, "V1->V2", 1, 3)]
    [TestCase(" out:image @ 2 - 4 ", LesionScope.OutOf, "image", 2, 4)]
    public void LesionsAreRead(string text, LesionScope scope, string name, int first, int? last)
    {
        var lesion = Lesion.Parse(text);
        Assert.That(lesion, Is.EqualTo(new Lesion(new LesionTarget(scope, name), first, last)));
        Assert.That(Lesion.Parse(lesion.ToString()), Is.EqualTo(lesion), $"'{lesion}' reads back as itself");
    }

    [Test]
    public void LesionsAreWrittenInTheirShortestForm()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Lesion.Parse("feedback@1-").ToString(), Is.EqualTo("feedback"));
            Assert.That(Lesion.Parse("feedback@3-").ToString(), Is.EqualTo("feedback@3-"));
            Assert.That(Lesion.Parse("in:V1@2-2").ToString(), Is.EqualTo("in:V1@2"));
            Assert.That(Lesion.Parse("in:V1@1-2").ToString(), Is.EqualTo("in:V1@-2"));
            Assert.That(Lesion.Parse("V2->V1@2-3").ToString(), Is.EqualTo("V2->V1@2-3"));
        });
    }

    [TestCase("", "lesion '': it is empty")]
    [TestCase("@3", "lesion '@3': the target before '@' is missing")]
    [TestCase("in:", "lesion 'in:': 'in:' names no area after 'in:'")]
    [TestCase("feedback@", "lesion 'feedback@': the steps after '@' are missing")]
    [TestCase("feedback@0-", "lesion 'feedback@0-': steps are numbered from 1, got 0 in '@0-'")]
    [TestCase("feedback@x", "lesion 'feedback@x': 'x' in '@x' is not a step number")]
    [TestCase("feedback@3-2", "lesion 'feedback@3-2': the steps 3-2 run backwards")]
    [TestCase("feedback@-", "lesion 'feedback@-': '@-' names no step")]
    public void MalformedLesionsSayWhatIsWrong(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Lesion.Parse(text))!;
        Assert.That(e.Message, Does.StartWith(message).And.Contain("the syntax is TARGET[@STEPS]"));
    }

    [Test]
    public void LesionsResolveToTheReadsTheyName()
    {
        var graph = Networks.Config("blt").Graph;
        // BLT's projections in file order: 0 image->V1, 1 V1->V1, 2 V1->V2, 3 V2->V2, 4 V2->V1; T = 4.
        string Silenced(params string[] lesions) => string.Join("; ", LesionTable.Describe(graph, LesionTable.Resolve(graph, lesions)));
        Assert.Multiple(() =>
        {
            Assert.That(Silenced("feedback@3-"), Is.EqualTo("V2->V1 at t = 3..4"));
            Assert.That(Silenced("lateral@2"), Is.EqualTo("V1->V1 at t = 2; V2->V2 at t = 2"));
            Assert.That(Silenced("in:V1@1-2"), Is.EqualTo("image->V1 at t = 1..2; V1->V1 at t = 1..2; V2->V1 at t = 1..2"));
            Assert.That(Silenced("out:V2"), Is.EqualTo("V2->V2 at t = 1..4; V2->V1 at t = 1..4"));
            Assert.That(Silenced("out:image@-1"), Is.EqualTo("image->V1 at t = 1"));
            Assert.That(Silenced("V2->V1@1", "V2->V1@3", "V1->V2@4"), Is.EqualTo("V1->V2 at t = 4; V2->V1 at t = 1, 3"), "several lesions: their union");
            Assert.That(LesionTable.Resolve(graph, ["feedback@2-3"]).Count, Is.EqualTo(2));
            Assert.That(() => LesionTable.Resolve(graph, [new Lesion(new LesionTarget(LesionScope.Type, "feedback"), 3, 2)]),
                Throws.ArgumentException.With.Message.EqualTo("lesion 'feedback@3-2': steps 3..2 are no window of steps 1..T"), "a lesion made in code is checked too");
        });
    }

    [TestCase("V2-V1", "lesion 'V2-V1': blt has no projection 'V2-V1' (nor is it a projection type, in:AREA or out:AREA); did you mean 'V2->V1'?")]
    [TestCase("feedbak@3-", "lesion 'feedbak@3-': blt has no projection 'feedbak' (nor is it a projection type, in:AREA or out:AREA); did you mean 'feedback'?")]
    [TestCase("IT->V9", "its projections: image->V1, V1->V1, V1->V2, V2->V2, V2->V1")]
    [TestCase("in:V3", "lesion 'in:V3': blt has no area 'V3'; did you mean 'V1'?")]
    [TestCase("in:image", "lesion 'in:image': 'image' is the input, which no projection goes into; out:image silences what it sends")]
    [TestCase("out:IT", "lesion 'out:IT': blt has no area or input 'IT'")]
    [TestCase("feedback@5", "lesion 'feedback@5': blt runs steps 1 to T = 4, so there is no step 5")]
    [TestCase("feedback@2-9", "lesion 'feedback@2-9': blt runs steps 1 to T = 4, so there is no step 9")]
    public void LesionsThatDoNotFitTheNetworkAreNamed(string text, string message)
    {
        var graph = Networks.Config("blt").Graph;
        Assert.That(() => LesionTable.Resolve(graph, [text]), Throws.ArgumentException.With.Message.Contains(message));
    }

    [Test]
    public void ALesionThatSilencesNothingIsAMistake()
    {
        var bl = Networks.Config("bl").Graph;
        Assert.That(() => LesionTable.Resolve(bl, ["feedback"]), Throws.ArgumentException.With.Message.EqualTo("lesion 'feedback': bl has no feedback projection"));
        var chain = Cortex.Connectivity.NetworkLoader.Parse(Networks.Chain("{ steps: 2 }")).Graph;
        Assert.That(() => LesionTable.Resolve(chain, ["out:C"]), Throws.ArgumentException.With.Message.Contains("no projection goes out of C (readouts are not projections"));
    }
}
