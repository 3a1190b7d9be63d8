package io.talkwire.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

/** Latency (p50, p99) against offered load for Talkwire and RabbitMQ direct, log-log, as a PNG. */
final class LatencyChart {

    private static final int WIDTH = 900;

    private static final int HEIGHT = 520;

    private static final int LEFT = 80;

    private static final int RIGHT = 30;

    private static final int TOP = 50;

    private static final int BOTTOM = 70;

    private LatencyChart() {
    }

    static void write(Path file, List<Map<String, Object>> talkwire, List<Map<String, Object>> rabbit) throws Exception {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        double minX = 1000;
        double maxX = 200_000;
        double minY = 0.1;
        double maxY = 5000;
        g.setColor(new Color(230, 230, 230));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double x = minX; x <= maxX; x *= 10) {
            int px = x(x, minX, maxX);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(px, TOP, px, HEIGHT - BOTTOM);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%,.0f", x), px - 20, HEIGHT - BOTTOM + 18);
        }
        for (double y = minY; y <= maxY; y *= 10) {
            int py = y(y, minY, maxY);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT, py, WIDTH - RIGHT, py);
            g.setColor(Color.DARK_GRAY);
            g.drawString(y < 1 ? String.valueOf(y) : String.format("%,.0f", y), LEFT - 45, py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString("Delivery latency against offered load (20 subscribers, 2 publishers)", LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("offered deliveries per second", WIDTH / 2 - 80, HEIGHT - 25);
        g.drawString("ms", 20, TOP + 10);
        plot(g, talkwire, "p99Ms", new Color(201, 42, 42), true, minX, maxX, minY, maxY);
        plot(g, talkwire, "p50Ms", new Color(201, 42, 42), false, minX, maxX, minY, maxY);
        plot(g, rabbit, "p99Ms", new Color(54, 79, 199), true, minX, maxX, minY, maxY);
        plot(g, rabbit, "p50Ms", new Color(54, 79, 199), false, minX, maxX, minY, maxY);
        legend(g, 0, new Color(201, 42, 42), true, "Talkwire p99");
        legend(g, 1, new Color(201, 42, 42), false, "Talkwire p50");
        legend(g, 2, new Color(54, 79, 199), true, "RabbitMQ direct p99");
        legend(g, 3, new Color(54, 79, 199), false, "RabbitMQ direct p50");
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static void plot(Graphics2D g, List<Map<String, Object>> steps, String key, Color color, boolean solid,
            double minX, double maxX, double minY, double maxY) {
        g.setColor(color);
        g.setStroke(solid ? new BasicStroke(2.5f) : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
                new float[] { 6, 4 }, 0));
        int lastX = -1;
        int lastY = -1;
        for (Map<String, Object> step : steps) {
            int px = x(((Number) step.get("offeredDeliveriesPerSecond")).doubleValue(), minX, maxX);
            int py = y(Math.max(minY, ((Number) step.get(key)).doubleValue()), minY, maxY);
            g.fillOval(px - 3, py - 3, 6, 6);
            if (lastX >= 0) {
                g.drawLine(lastX, lastY, px, py);
            }
            lastX = px;
            lastY = py;
        }
    }

    private static void legend(Graphics2D g, int row, Color color, boolean solid, String label) {
        int y = TOP + 20 + row * 18;
        g.setColor(color);
        g.setStroke(solid ? new BasicStroke(2.5f) : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
                new float[] { 6, 4 }, 0));
        g.drawLine(LEFT + 15, y - 4, LEFT + 45, y - 4);
        g.setColor(Color.BLACK);
        g.drawString(label, LEFT + 52, y);
    }

    private static int x(double value, double min, double max) {
        return LEFT + (int) ((Math.log(value) - Math.log(min)) / (Math.log(max) - Math.log(min)) * (WIDTH - LEFT - RIGHT));
    }

    private static int y(double value, double min, double max) {
        double clamped = Math.min(max, Math.max(min, value));
        return HEIGHT - BOTTOM - (int) ((Math.log(clamped) - Math.log(min)) / (Math.log(max) - Math.log(min)) * (HEIGHT - TOP - BOTTOM));
    }
}
