import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = { title: "Contact Sync", description: "Keep contact lists in step with CSV files" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
