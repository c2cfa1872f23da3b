UPDATE orders SET status = 'archived';
