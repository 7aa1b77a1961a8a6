using AlertPipeline.Alerts;
using AlertPipeline.Notifications;

namespace AlertPipeline.Detection;

/// <summary>
/// Which events are a monitoring check's (a school's designated test pupil), and the one notification their alert
/// gets. Detection asks; the checks feature answers (Checks.TestPupils), so detection does not depend on it.
/// </summary>
internal interface ITestPupils
{
    bool IsTest(string schoolId, string userLogin);

    IReadOnlyList<OutboxNotification> Plan(Alert alert);
}
