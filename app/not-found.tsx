import Link from "next/link";

export default function NotFound() {
  return (
    <main className="narrow">
      <h1>Not found</h1>
      <p>This page does not exist, or what it showed has been deleted.</p>
      <p>
        <Link href="/managers">Back to Contact Managers</Link>
      </p>
    </main>
  );
}
