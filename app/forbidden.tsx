import Link from "next/link";

/** Rendered with status 403 when requireUser() finds the role too low. */
export default function Forbidden() {
  return (
    <main className="narrow">
      <h1>Not allowed</h1>
      <p>Your role does not give access to this page. Ask an administrator if you need it.</p>
      <p>
        <Link href="/managers">Back to Contact Managers</Link>
      </p>
    </main>
  );
}
