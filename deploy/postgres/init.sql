-- One database per service; no service reads another's.
CREATE DATABASE aftersales_catalog;
CREATE DATABASE aftersales_servicetypes;
CREATE DATABASE aftersales_scheduling;
CREATE DATABASE aftersales_notifications;
CREATE DATABASE aftersales_fieldwork;
CREATE DATABASE aftersales_campaigns;
CREATE DATABASE aftersales_gateway;
