import { Navigate, Route, Routes } from "react-router-dom";

import { DayView } from "./DayView";
import { OrderScreen } from "./OrderScreen";
import "./technician.css";

/** The technician's phone view: the day's visits, and one order with its protocol. */
export default function MyDayScreen() {
  return (
    <div className="tech">
      <Routes>
        <Route index element={<DayView />} />
        <Route path="orders/:orderId" element={<OrderScreen />} />
        <Route path="*" element={<Navigate to="/fieldwork/my-day" replace />} />
      </Routes>
    </div>
  );
}
