import { Navigate, Route, Routes } from "react-router-dom";

import { useSession } from "../../../auth/session";
import "../shared/fieldwork.css";
import { OrderDetail } from "./OrderDetail";
import { OrderForm } from "./OrderForm";

/** A service order: `/fieldwork/orders/new`, `/:id`, `/:id/edit` (the forms: operators). */
export default function OrdersScreen() {
  const { hasRole } = useSession();
  const canPlan = hasRole("admin", "operator");
  return (
    <Routes>
      <Route path="new" element={canPlan ? <OrderForm /> : <Navigate to="/fieldwork/board" replace />} />
      <Route path=":orderId" element={<OrderDetail />} />
      <Route path=":orderId/edit" element={canPlan ? <OrderForm /> : <Navigate to=".." relative="path" replace />} />
      <Route path="*" element={<Navigate to="/fieldwork/board" replace />} />
    </Routes>
  );
}
