using Microsoft.AspNetCore.WebUtilities;

namespace AlertPipeline.Hosting;

/// <summary>
/// Every error answer of the API says what went wrong, as <c>{"error": "..."}</c>: an agent's log must show a
/// reason, never an empty 500 (issue 12). An unhandled exception becomes a 500 naming its kind and telling the
/// caller to retry; a bare 4xx/5xx from routing or authentication gets its reason phrase and the path.
/// </summary>
internal static partial class ApiErrors
{
    public static IApplicationBuilder UseApiErrors(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AlertPipeline.Api");
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                LogUnhandled(logger, ex, context.Request.Method, context.Request.Path);
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await context.Response.WriteAsJsonAsync(new
                {
                    error = $"the server failed on this request ({ex.GetType().Name}: {ex.Message}); it may not have been stored: retry it (duplicates are recognised)",
                }).ConfigureAwait(false);
                return;
            }

            if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                var status = context.Response.StatusCode;
                await context.Response.WriteAsJsonAsync(new
                {
                    error = $"{status} {ReasonPhrases.GetReasonPhrase(status)}: {Explain(status)} ({context.Request.Method} {context.Request.Path})",
                }).ConfigureAwait(false);
            }
        });
    }

    private static string Explain(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "send a valid API key (Authorization: Bearer KEY) or sign in",
        StatusCodes.Status403Forbidden => "this key or account may not do this",
        StatusCodes.Status404NotFound => "no such resource",
        StatusCodes.Status405MethodNotAllowed => "this method is not allowed here",
        StatusCodes.Status413PayloadTooLarge => "the body is too large",
        _ => "the request was not processed",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}; answered 500 with the reason")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
