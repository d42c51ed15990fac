// Placeholder: being built (issue 20).
export default function JobPage() {
  return <h1>JobPage</h1>;
}
