using AlertPipeline.Web;
using AlertPipeline.ConsoleUi.Pages;
using Microsoft.AspNetCore.Antiforgery;

namespace AlertPipeline.Users;

/// <summary>
/// Refuses any state-changing console request (form post or API call) without a valid anti-forgery token: the
/// hidden form field, or the <c>X-CSRF-TOKEN</c> header that console.js copies from the page's meta tag. The
/// token is bound to the signed-in user, so a token taken from one session is useless in another.
/// </summary>
internal sealed class AntiforgeryFilter : IEndpointFilter
{
    public const string HeaderName = "X-CSRF-TOKEN";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
        {
            try
            {
                await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
            }
            catch (AntiforgeryValidationException)
            {
                const string message = "the request has no valid anti-forgery token: reload the page and try again";
                return SignInEndpoints.IsApi(http.Request)
                    ? Results.Json(new { error = message }, statusCode: StatusCodes.Status400BadRequest)
                    : Layout.Page(http, "Please try again", $"<section class=\"card\"><h1>Please try again</h1><p>{Layout.E(message)}.</p></section>", StatusCodes.Status400BadRequest);
            }
        }

        return await next(context).ConfigureAwait(false);
    }
}
