// CloudFront Function (cloudfront-js-2.0), viewer request on the /api/* behaviour.
// The HTTP API origin must receive its own Host header, so the host the client signed
// (RFC 9421 "@authority") travels as X-Forwarded-Host, which the API checks first.
// Whatever X-Forwarded-Host the client sent is replaced: only CloudFront's view counts.
// The API believes it only next to the origin secret, which CloudFront adds as an origin
// header (replacing a viewer's header of that name); a client's own copy is dropped here too.
// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls the top-level function named handler.
function handler(event) {
  var request = event.request;
  request.headers['x-forwarded-host'] = { value: request.headers.host.value };
  delete request.headers['x-origin-secret'];
  return request;
}
