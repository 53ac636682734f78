// Service types (mounted at /service-types/*): the list, a new type, one type's editor.
import { Route, Routes, useParams } from "react-router-dom";

import { ServiceTypeEditor } from "./ServiceTypeEditor";
import { ServiceTypeList } from "./ServiceTypeList";
import "./serviceTypes.css";

function EditorForId() {
  const { id = "" } = useParams();
  // A new key per type: nothing of one type's draft leaks into another's.
  return <ServiceTypeEditor key={id} id={id} />;
}

export default function ServiceTypesScreen() {
  return (
    <Routes>
      <Route index element={<ServiceTypeList />} />
      <Route path="new" element={<ServiceTypeEditor />} />
      <Route path=":id" element={<EditorForId />} />
    </Routes>
  );
}
