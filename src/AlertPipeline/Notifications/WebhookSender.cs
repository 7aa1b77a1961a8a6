using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Notifications;

/// <summary>A webhook answered in a way that retrying will not change (e.g. 404 Not Found, 401 Unauthorized).</summary>
internal sealed class PermanentDeliveryException(string message) : Exception(message);

/// <summary>POSTs a rendered notification to a webhook URL. Throwing means "not delivered".</summary>
internal sealed class WebhookSender(HttpClient http, IOptions<NotificationOptions> options)
{
    public async Task SendAsync(string url, string channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(WebhookPayloads.Render(channel, message), Encoding.UTF8, "application/json"),
        };

        // Lets a receiver drop a repeat of the same notification (a crash between "accepted" and "marked sent").
        request.Headers.Add("Idempotency-Key", message.NotificationId);
        request.Headers.Add("X-AlertPipeline-Notification", message.NotificationId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.WebhookTimeout);
        using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var error = $"webhook answered {status} {response.ReasonPhrase}";
        if (status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
        {
            throw new PermanentDeliveryException(error);
        }

        throw new HttpRequestException(error, null, response.StatusCode);
    }
}
