export async function register() {
  // Server-side start-up work goes here (the scheduler). Node.js runtime only.
}
