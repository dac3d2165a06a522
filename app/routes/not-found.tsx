import { data } from "react-router";

// Unknown addresses get a real 404 page (and a 405 for other methods).
export function loader() {
  throw data({ message: "There is nothing at this address." }, { status: 404 });
}

export default function NotFound() {
  return null;
}
