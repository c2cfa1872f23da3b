UPDATE orders SET archived = 0;
