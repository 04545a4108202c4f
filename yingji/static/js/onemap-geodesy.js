/* Geodesy on the WGS84 ellipsoid for the one map (测距, 画圆查询): Vincenty's inverse
   (distance between two points) and direct (the point at a distance and bearing) formulae,
   the same figures as the server's pyproj Geod("WGS84") to the millimetre. Falls back to
   the haversine on the mean sphere for the rare nearly antipodal pairs where the inverse
   formula does not converge (never within a city). */
(function () {
  "use strict";
  var A = 6378137.0;
  var F = 1 / 298.257223563;
  var B = A * (1 - F);
  var RAD = Math.PI / 180;

  function haversine(lat1, lon1, lat2, lon2) {
    var R = 6371008.8;
    var dLat = (lat2 - lat1) * RAD;
    var dLon = (lon2 - lon1) * RAD;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /* Metres between two [lat, lon] (or L.LatLng) points. */
  function distance(p, q) {
    var lat1 = p.lat !== undefined ? p.lat : p[0], lon1 = p.lng !== undefined ? p.lng : p[1];
    var lat2 = q.lat !== undefined ? q.lat : q[0], lon2 = q.lng !== undefined ? q.lng : q[1];
    if (lat1 === lat2 && lon1 === lon2) return 0;
    var L = (lon2 - lon1) * RAD;
    var U1 = Math.atan((1 - F) * Math.tan(lat1 * RAD));
    var U2 = Math.atan((1 - F) * Math.tan(lat2 * RAD));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, lambdaP, iter = 100;
    var sinSigma, cosSigma, sigma, sinAlpha, cos2Alpha, cos2SigmaM, C;
    do {
      var sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt((cosU2 * sinLambda) * (cosU2 * sinLambda) +
        (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) * (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda));
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
      cos2Alpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cos2Alpha !== 0 ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
      C = F / 16 * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
      lambdaP = lambda;
      lambda = L + (1 - C) * F * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - lambdaP) > 1e-12 && --iter > 0);
    if (iter === 0) return haversine(lat1, lon1, lat2, lon2);
    var uSq = cos2Alpha * (A * A - B * B) / (B * B);
    var bigA = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var bigB = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
      bigB / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return B * bigA * (sigma - deltaSigma);
  }

  /* The [lat, lon] reached from (lat, lon) after `metres` on the initial `bearing` (degrees). */
  function destination(lat, lon, bearing, metres) {
    var alpha1 = bearing * RAD;
    var sinAlpha1 = Math.sin(alpha1), cosAlpha1 = Math.cos(alpha1);
    var tanU1 = (1 - F) * Math.tan(lat * RAD);
    var cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1), sinU1 = tanU1 * cosU1;
    var sigma1 = Math.atan2(tanU1, cosAlpha1);
    var sinAlpha = cosU1 * sinAlpha1;
    var cos2Alpha = 1 - sinAlpha * sinAlpha;
    var uSq = cos2Alpha * (A * A - B * B) / (B * B);
    var bigA = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var bigB = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var sigma = metres / (B * bigA), sigmaP, iter = 100;
    var cos2SigmaM, sinSigma, cosSigma;
    do {
      cos2SigmaM = Math.cos(2 * sigma1 + sigma);
      sinSigma = Math.sin(sigma);
      cosSigma = Math.cos(sigma);
      var deltaSigma = bigB * sinSigma * (cos2SigmaM + bigB / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
        bigB / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
      sigmaP = sigma;
      sigma = metres / (B * bigA) + deltaSigma;
    } while (Math.abs(sigma - sigmaP) > 1e-12 && --iter > 0);
    var tmp = sinU1 * sinSigma - cosU1 * cosSigma * cosAlpha1;
    var lat2 = Math.atan2(sinU1 * cosSigma + cosU1 * sinSigma * cosAlpha1,
      (1 - F) * Math.sqrt(sinAlpha * sinAlpha + tmp * tmp));
    var lambda = Math.atan2(sinSigma * sinAlpha1, cosU1 * cosSigma - sinU1 * sinSigma * cosAlpha1);
    var C = F / 16 * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
    var L = lambda - (1 - C) * F * sinAlpha *
      (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    return [lat2 / RAD, lon + L / RAD];
  }

  /* A closed ring of `n` points at `metres` around (lat, lon): [[lat, lon], ...]. */
  function circleRing(lat, lon, metres, n) {
    n = n || 128;
    var ring = [];
    for (var i = 0; i < n; i++) ring.push(destination(lat, lon, (360 * i) / n, metres));
    return ring;
  }

  /* Sum of the geodesic lengths of a path of points. */
  function pathLength(points) {
    var total = 0;
    for (var i = 1; i < points.length; i++) total += distance(points[i - 1], points[i]);
    return total;
  }

  window.YingjiGeodesy = {
    distance: distance,
    destination: destination,
    circleRing: circleRing,
    pathLength: pathLength,
    haversine: haversine
  };
})();
