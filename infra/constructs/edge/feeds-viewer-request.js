// CloudFront Function (cloudfront-js-2.0), viewer request on the feeds behaviour.
// A folder URL is served from its index.html, as the local server does: CloudFront's
// default root object only covers "/", not /plans/{planId}/. A folder named without its
// trailing slash is redirected, so the dashboard's relative links resolve.
// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls the top-level function named handler.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  var lastSegment = uri.substring(uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: uri + '/' } },
    };
  }
  return request;
}
