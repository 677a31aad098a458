export default function Home() {
  return <main><h1>Contact Sync</h1></main>;
}
