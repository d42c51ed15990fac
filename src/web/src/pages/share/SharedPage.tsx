// Placeholder: being built (issue 20).
export default function SharedPage() {
  return <h1>SharedPage</h1>;
}
